// Limits and timings of the web client, in one place. Views show the ones a user
// needs to know (the file size limit, the auto-reroll countdown).

/** Largest file that may be sent or received over the data channel. */
export const MAX_FILE_BYTES = 100 * 1024 * 1024;

/** Size of one binary message on the file data channel (Chromium takes up to 256 KiB). */
export const FILE_CHUNK_BYTES = 64 * 1024;

/** Stop queueing chunks above this much buffered data; resume at the low threshold. */
export const FILE_BUFFER_HIGH_BYTES = 1024 * 1024;
export const FILE_BUFFER_LOW_BYTES = 256 * 1024;

/** Our "typing" turns off after this long without a keystroke. */
export const TYPING_IDLE_MS = 3000;

/** The stranger's "typing" indicator is hidden when no update came for this long. */
export const STRANGER_TYPING_MAX_MS = 8000;

/** Seconds shown before an automatic new search after the stranger left. */
export const AUTO_REROLL_SECONDS = 5;

/** Data saver: what the video we send is capped to. */
export const DATA_SAVER = {
  maxWidth: 320,
  maxFramerate: 15,
  maxBitrate: 150_000,
} as const;

/** How often the tab title alternates while a new message waits in a hidden tab. */
export const TITLE_FLASH_MS = 1000;
