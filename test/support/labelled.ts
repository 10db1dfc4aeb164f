// Jest's expect takes no message: checks run in a loop or a shared helper run under a label, so a
// failure says which case it was ("2019 export, part 2: expected …").
export function labelled<T>(label: string, checks: () => T): T {
  const relabel = (err: unknown) => {
    if (err && typeof err === 'object' && 'message' in err)
      (err as { message: string }).message = `${label}: ${err.message}`;
    return err;
  };
  try {
    const result = checks();
    if (result instanceof Promise) {
      return result.catch((err) => {
        throw relabel(err);
      }) as T;
    }
    return result;
  } catch (err) {
    throw relabel(err);
  }
}
