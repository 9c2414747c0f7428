// What counts as a flood, shared by the relay (which holds its deliveries back
// during one) and the panel (which redraws less often during one). Both must
// agree, so the relay delivers a burst in the same second the panel draws it.

/** Records per second from which traffic counts as a flood. */
export const FLOOD_RATE = 500;
/** During a flood: the least time between the panel's redraws, and the longest a relay holds a record. */
export const FLOOD_MS = 1000;
