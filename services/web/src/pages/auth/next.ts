// Where signing in leads: back to the page the visitor came from, but only ever a page of this app.
// `next` comes from the address bar, which anyone can write into a link they send: taking it as is
// would turn Ferry's own sign-in into a way to send people to a look-alike site (an open redirect).

/**
 * The page `next` names when it is a path on this origin ("/tasks?x=1"), else "/". Refused: other
 * origins ("https://evil.example"), protocol-relative addresses ("//evil.example", "/\evil.example",
 * which browsers read as "//"), anything with control characters, and the sign-in pages themselves.
 */
export function safeNext(next: string | null | undefined, origin = window.location.origin): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  // Tabs and newlines are dropped by URL parsing ("/\t/evil.example" is "//evil.example").
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin) return '/';
  if (url.pathname === '/signin' || url.pathname === '/signup') return '/';
  return url.pathname + url.search + url.hash;
}
