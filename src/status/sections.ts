import type { StatusSection } from './section.js';
import { checksSection } from './checks-section.js';
import { certificatesSection } from './certificates-section.js';
import { volumesSection } from '../../actions/volume-resize/status-section.js';
import { transitionsSection } from './transitions-section.js';
import { activitySection } from './activity-section.js';

/** Every block of the /status page, in page order. Adding one = one file + one line here. */
export const statusSections: readonly StatusSection[] = [checksSection, activitySection, transitionsSection, certificatesSection, volumesSection];
