// The discovery thread's entry when running from source (tests, `node --import tsx`, `tsx`): Node 20 does not
// apply the parent's --import hooks to worker threads, so the thread registers tsx itself before loading the
// TypeScript entry. The bundle runs dist/discovery-thread.mjs instead.
import { register } from "tsx/esm/api";

register();
await import("./discovery-thread.ts");
