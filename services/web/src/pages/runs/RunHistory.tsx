// Placeholder: the runs of one task, newest first, each linking to its run page.
export default function RunHistory({ taskId }: { taskId: string }) {
  void taskId;
  return null;
}
