import type { LinliModule } from '../../app/manifest.js';
import { calendarRoutes } from './http.js';

/** The official holiday calendar as data an operator maintains (working days for deadlines, digests, reminders). */
export const calendarModule: LinliModule = {
  name: 'calendar',
  routes: (s) => [calendarRoutes(s)],
};
