// One suite every connector passes, against its real server or emulator: the contract of
// connectors/types.ts, checked by what lands where. A connector runs the halves it has: the source
// half on files its subject makes by the provider's own means, the destination half through put().
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import type { CloudHandle, HashKind } from '../../connectors/types.ts';
import { addingDestinationHalf, destinationHalf } from './destination-half.ts';
import { sourceHalf } from './source-half.ts';

export interface Subject {
  handle: CloudHandle;
  close(): Promise<void>;
  /**
   * Source half: makes these files (paths from the cloud's root; bytes) at the source, replacing any
   * at the same path, by the provider's own means (its API, the disk, an archive), never by put().
   */
  seed?(files: Array<[path: string, data: Buffer]>): Promise<void>;
  /**
   * Source half: the entries one page of the provider's folder listing holds at most, as the
   * connector asks for them (0: the provider gives a folder whole). A folder of more is listed.
   */
  providerPage?: number;
  /**
   * Source half, where the emulator can tell: the Range header of the last download request it
   * received (undefined: none was sent).
   */
  lastRange?(): string | undefined;
  /** Source half: the hash the provider keeps of every file and the listing gives (none: undefined). */
  listedHash?: HashKind;
  /**
   * Source half: the source lays out what it offers itself (Takeout: by date, with metadata files
   * beside), so items are matched to the files seeded by their bytes, not by their paths, and
   * list() does not take a folder. `media(item)`: whether the item is one of the seeded files.
   */
  ownLayout?: { media(item: { id: string }): boolean };
  /** Destination half: the kind of hash hashOf gives where the provider keeps one. */
  nativeHash?: HashKind;
  /** Destination half: put() saves its session in the checkpoint and resumes from it. */
  resumable?: boolean;
}

export interface Halves {
  /**
   * 'own layout': a source that lays out what it offers itself (Takeout), whatever folder is asked:
   * the checks of replacing, browsing and listing a folder do not apply (the subject's ownLayout).
   */
  source: boolean | 'own layout';
  /**
   * 'adds only': a destination that can neither find a file by its path nor replace one (Google
   * Photos): every put() adds a file, read back through the cloud's source.
   */
  destination: boolean | 'adds only';
}

/** What the checks of a half reach: the subject once started, and a folder of their own. */
export interface Under {
  readonly s: Subject;
  readonly h: CloudHandle;
  readonly base: string;
}

export function conformance(
  name: string,
  start: () => Promise<Subject>,
  halves: Halves = { source: true, destination: true },
): void {
  describe(`${name} connector conformance`, () => {
    const under = { base: `conf-${crypto.randomBytes(4).toString('hex')}` } as {
      s: Subject;
      h: CloudHandle;
      base: string;
    };
    beforeAll(async () => {
      under.s = await start();
      under.h = under.s.handle;
    });
    afterAll(() => under.s.close());

    test('check passes', async () => {
      await under.h.check();
    });
    if (halves.source) sourceHalf(under, halves.source === 'own layout');
    if (halves.destination === 'adds only') addingDestinationHalf(under);
    else if (halves.destination) destinationHalf(under);
  });
}
