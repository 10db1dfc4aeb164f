// Placeholder: the guided path to back up Google Photos (Takeout export set-up, or picking).
import { Page } from '../../ui/components';

export default function PhotosGuide() {
  return <Page title="Back up Google Photos">{null}</Page>;
}
