import { orderingSuite } from './ordering.scenario.js';

orderingSuite('cosmos');
