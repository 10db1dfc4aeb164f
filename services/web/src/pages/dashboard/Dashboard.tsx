// Placeholder: replaced by the page's own implementation.
import { Page } from '../../ui/components';

export default function Dashboard() {
  return <Page title="Dashboard">{null}</Page>;
}
