// Placeholder: replaced by the page's own implementation.
import { Page } from '../../ui/components';

export default function SignIn() {
  return <Page title="Sign in">{null}</Page>;
}
