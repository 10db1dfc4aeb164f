// Placeholder: replaced by the page's own implementation.
import { Page } from '../../ui/components';

export default function TaskList() {
  return <Page title="Tasks">{null}</Page>;
}
