/** Public face of src/demo: the deterministic demo data set and its loader / live generator. */
export {
  DEMO_END,
  DEMO_START,
  DEMO_STEP_MS,
  DEMO_SAMPLES,
  DEMO_JOBS,
  DEMO_INSTANCES_PER_JOB,
  HISTOGRAM_JOBS,
  HISTOGRAM_BUCKETS,
  CPU_JOB,
  demoFamilies,
  demoTargets,
  prng,
  type Family,
  type Target,
} from './families.js';
export {
  loadDemoHistory,
  generateHistory,
  demoTimestamps,
  LiveDemo,
  type DemoSeries,
  type DemoWrite,
  type DemoWriteResult,
  type DemoLoadOptions,
  type FamilyLoadStats,
} from './load.js';
