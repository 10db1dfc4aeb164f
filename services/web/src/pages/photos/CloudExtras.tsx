// What a cloud's page shows beyond the common parts, for the kinds that declare more: a Takeout
// reader's export sets (a kind that reports the exports delivered to the cloud it reads) and
// picking with the Photos Picker (a kind read through picked sessions). Each part loads its code
// only on the page of a cloud of such a kind.
import { lazy, Suspense } from 'react';
import type { components } from '../../api/client';
import { picksItems, reportsExports } from '../../api/providers';
import { Loading } from '../../ui/components';

const TakeoutStatus = lazy(() => import('./TakeoutStatus'));
const PickPhotos = lazy(() => import('./PickPhotos'));

export default function CloudExtras({
  cloud,
  provider,
}: {
  cloud: components['schemas']['Cloud'];
  provider: components['schemas']['Provider'] | undefined;
}) {
  const Part = reportsExports(provider) ? TakeoutStatus : picksItems(provider) ? PickPhotos : null;
  if (!Part) return null;
  return (
    <Suspense fallback={<Loading />}>
      <Part cloud={cloud} />
    </Suspense>
  );
}
