// Placeholder: replaced by the page's own implementation.
import { Page } from '../../ui/components';

export default function SignUp() {
  return <Page title="Create account">{null}</Page>;
}
