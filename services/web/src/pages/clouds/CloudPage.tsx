// Placeholder: replaced by the page's own implementation.
import { Page } from '../../ui/components';

export default function CloudPage() {
  return <Page title="Cloud">{null}</Page>;
}
