// Placeholder: replaced by the page's own implementation.
import { Page } from '../../ui/components';

export default function CloudList() {
  return <Page title="Clouds">{null}</Page>;
}
