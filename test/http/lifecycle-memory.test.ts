import { lifecycleSuite } from './lifecycle.scenario.js';

lifecycleSuite('memory');
