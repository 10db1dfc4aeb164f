// Placeholder: replaced by the page's own implementation.
import { Page } from '../../ui/components';

export default function TaskWizard() {
  return <Page title="New task">{null}</Page>;
}
