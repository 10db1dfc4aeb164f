// Placeholder: replaced by the page's own implementation.
import { Page } from '../../ui/components';

export default function Verify() {
  return <Page title="Confirm your email address">{null}</Page>;
}
