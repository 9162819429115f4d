// The panels, as records (id, title, controls with min/max/default, mount): the order and the words
// come from chapters/index.json.
import { walkthrough } from './walkthrough.js';

export const PANELS = [walkthrough];
