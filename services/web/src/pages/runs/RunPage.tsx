// Placeholder: replaced by the page's own implementation.
import { Page } from '../../ui/components';

export default function RunPage() {
  return <Page title="Run">{null}</Page>;
}
