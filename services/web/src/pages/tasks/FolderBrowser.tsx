// Placeholder: a folder browser over GET /clouds/:id/entries. `value` is the chosen folder's path
// ('' for the cloud's top); `onChange` is called with the folder the user chooses.
export interface FolderBrowserProps {
  cloudId: string;
  value: string;
  onChange: (path: string) => void;
  /** The accessible name of the browser, e.g. "Source folder". */
  label: string;
}

export default function FolderBrowser(props: FolderBrowserProps) {
  void props;
  return null;
}
