// Placeholder: replaced by the page's own implementation.
import { Page } from '../../ui/components';

export default function AddCloud() {
  return <Page title="Add cloud">{null}</Page>;
}
