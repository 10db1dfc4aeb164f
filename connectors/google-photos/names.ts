// File names in Google Photos are not unique (two "IMG_0001.JPG" from two phones are common):
// within one listing, later ones get " (1)", " (2)"… before the extension.

export function withSuffix(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}

export class Deduper {
  private readonly used = new Set<string>();
  private readonly next = new Map<string, number>();

  /** `name`, or the first free "name (n).ext" (compared case-insensitively, as most destinations do). */
  unique(name: string): string {
    const key = name.toLowerCase();
    if (!this.used.has(key)) {
      this.used.add(key);
      return name;
    }
    for (let n = this.next.get(key) ?? 1; ; n++) {
      const candidate = withSuffix(name, n);
      if (!this.used.has(candidate.toLowerCase())) {
        this.used.add(candidate.toLowerCase());
        this.next.set(key, n + 1);
        return candidate;
      }
    }
  }
}
