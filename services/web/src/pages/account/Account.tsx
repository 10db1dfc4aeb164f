// Placeholder: replaced by the page's own implementation.
import { Page } from '../../ui/components';

export default function Account() {
  return <Page title="Account">{null}</Page>;
}
