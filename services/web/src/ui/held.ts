import { useState } from 'react';

/**
 * What a control kept in the page's address shows while the address catches up. React Router changes
 * the address in a transition, so a control bound to the address alone springs back to the old value
 * until the transition ends: a flicker, and on a busy machine a click that seems lost. This holds the
 * user's choice meanwhile, and follows the address whenever it changes otherwise (a link, Back).
 */
export function useHeld<T>(fromAddress: T): [T, (value: T) => void] {
  const [held, setHeld] = useState(fromAddress);
  const [seen, setSeen] = useState(fromAddress);
  if (!Object.is(seen, fromAddress)) {
    setSeen(fromAddress);
    setHeld(fromAddress);
  }
  return [held, setHeld];
}
