// Entry module of pages without their own behaviour.
import '../ui.js';
