// The panels, as records (id, title, controls with min/max/default, mount): the order and the words
// come from chapters/index.json.
import { walkthrough } from './walkthrough.js';
import { mapTheLoop } from './map.js';
import { trigger } from './trigger.js';
import { gate } from './gate.js';
import { twoLoops } from './twoloops.js';
import { weakestLink } from './weakest.js';
import { registry } from './registry.js';
import { timeline } from './timeline.js';

export const PANELS = [walkthrough, mapTheLoop, trigger, gate, twoLoops, weakestLink, registry, timeline];
