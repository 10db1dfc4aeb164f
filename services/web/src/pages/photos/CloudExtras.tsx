// What a cloud's page shows beyond the common parts, for the kinds that have more: a Takeout
// reader's export sets (google-takeout) and picking with the Photos Picker (google-photos). Each
// part loads its code only on the page of a cloud of its kind.
import { lazy, Suspense } from 'react';
import type { components } from '../../api/client';
import { Loading } from '../../ui/components';

const TakeoutStatus = lazy(() => import('./TakeoutStatus'));
const PickPhotos = lazy(() => import('./PickPhotos'));

export default function CloudExtras({ cloud }: { cloud: components['schemas']['Cloud'] }) {
  const Part = cloud.kind === 'google-takeout' ? TakeoutStatus : cloud.kind === 'google-photos' ? PickPhotos : null;
  if (!Part) return null;
  return (
    <Suspense fallback={<Loading />}>
      <Part cloud={cloud} />
    </Suspense>
  );
}
