// Placeholder: what a cloud's page shows beyond the common parts, for the kinds that have more
// (google-takeout: the export sets; google-photos: picking with the Photos Picker).
import type { components } from '../../api/client';

export default function CloudExtras({ cloud }: { cloud: components['schemas']['Cloud'] }) {
  void cloud;
  return null;
}
