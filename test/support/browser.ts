// A minimal browser for OAuth sign-ins over real HTTP: it keeps cookies (per host, honouring Path),
// follows redirects one by one so a test can see each hop, and submits a page's form.
export interface Hop {
  url: string;
  status: number;
  location?: string;
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

export class Browser {
  readonly hops: Hop[] = [];
  private readonly jar = new Map<string, Cookie[]>();

  private cookieHeader(url: URL): string | undefined {
    const cookies = (this.jar.get(url.host) ?? []).filter(
      (c) =>
        url.pathname === c.path ||
        url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) ||
        c.path === '/',
    );
    return cookies.length ? cookies.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  private keep(url: URL, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired = attrs.some(
        (a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()),
      );
      const list = (this.jar.get(url.host) ?? []).filter((c) => !(c.name === name && c.path === path));
      if (!expired) list.push({ name, value, path });
      this.jar.set(url.host, list);
    }
  }

  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.find((c) => c.name === name)?.value;
  }

  /** One request, no redirect followed. */
  async request(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    const u = new URL(url);
    const cookie = this.cookieHeader(u);
    const res = await fetch(u, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers ?? {}), ...(cookie ? { cookie } : {}) },
    });
    this.keep(u, res);
    this.hops.push({ url, status: res.status, location: res.headers.get('location') ?? undefined });
    return res;
  }

  /** Follows redirects from `url` until a page that is not one; returns it. */
  async go(
    url: string,
    init: RequestInit & { headers?: Record<string, string> } = {},
    maxHops = 10,
  ): Promise<{ url: string; res: Response }> {
    let current = url;
    let res = await this.request(current, init);
    for (let i = 0; i < maxHops && res.status >= 300 && res.status < 400; i++) {
      await res.arrayBuffer();
      current = new URL(res.headers.get('location')!, current).toString();
      res = await this.request(current);
    }
    return { url: current, res };
  }

  /**
   * Submits the page's first form (its inputs, checkboxes all ticked, plus the named button), then follows redirects.
   */
  async submit(
    pageUrl: string,
    html: string,
    button?: { name: string; value: string },
  ): Promise<{ url: string; res: Response }> {
    const form = /<form([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
    if (!form || !/method="post"/i.test(form[1])) throw new Error(`no form on ${pageUrl}`);
    // A form without an action posts to the page itself.
    const action = /action="([^"]*)"/i.exec(form[1])?.[1] ?? pageUrl;
    const unescapeHtml = (s: string) =>
      s
        .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
        .replace(/&amp;/g, '&')
        .replace(/&quot;/g, '"');
    const fields = new URLSearchParams();
    for (const m of form[2].matchAll(/<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"/g))
      fields.append(unescapeHtml(m[1]), unescapeHtml(m[2]));
    if (button) fields.append(button.name, button.value);
    return this.go(new URL(unescapeHtml(action), pageUrl).toString(), {
      method: 'POST',
      body: fields.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
}
