// Every measurement of `npm run bench`, in the order they run and are reported. To add one, write
// a module exporting a `Measurement` (bench/measurement.ts) and list it here (bench/README.md).
import { accessMeasurement } from './access.js';
import { appTokenMeasurement } from './app-token.js';
import { FLOWS } from './logins/catalog.js';
import { loginMeasurement } from './logins/measure.js';
import type { Measurement } from './measurement.js';
import { loadTimeMeasurement } from './load-time.js';
import { codeRecordMeasurement } from './memory.js';
import { refreshMeasurement } from './refresh.js';
import { refreshLockMeasurement } from './refresh-lock.js';

export const MEASUREMENTS: readonly Measurement[] = [
  // logins-legacy, logins-oauth21, logins-access: WhopStrategy against each flow's peer.
  ...FLOWS.map(loginMeasurement),
  refreshMeasurement,
  refreshLockMeasurement,
  codeRecordMeasurement,
  accessMeasurement,
  appTokenMeasurement,
  loadTimeMeasurement,
];
