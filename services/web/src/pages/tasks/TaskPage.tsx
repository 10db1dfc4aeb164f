// Placeholder: replaced by the page's own implementation.
import { Page } from '../../ui/components';

export default function TaskPage() {
  return <Page title="Task">{null}</Page>;
}
