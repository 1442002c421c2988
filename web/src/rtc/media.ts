// Camera and microphone: getUserMedia with a plain-language explanation when it fails.

export interface MediaDevicesLike {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
}

const VIDEO: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 480 },
  frameRate: { ideal: 24, max: 30 },
  facingMode: 'user',
};

function errorName(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'name' in err) return String((err as { name: unknown }).name);
  return '';
}

/**
 * Camera + microphone; falls back to the camera alone when there is no microphone.
 * Throws a MediaUnavailable when media can't be used at all.
 */
export async function getLocalMedia(devices: MediaDevicesLike | undefined): Promise<MediaStream> {
  if (!devices || typeof devices.getUserMedia !== 'function') throw new MediaUnavailable('NoMediaDevices');
  try {
    return await devices.getUserMedia({ video: VIDEO, audio: true });
  } catch (err) {
    const name = errorName(err);
    if (name === 'NotFoundError' || name === 'DevicesNotFoundError') {
      try {
        return await devices.getUserMedia({ video: VIDEO, audio: false });
      } catch {
        /* report the first error */
      }
    }
    throw new MediaUnavailable(name || 'Error');
  }
}

export class MediaUnavailable extends Error {
  constructor(public readonly reason: string) {
    super(describeMediaError(reason));
    this.name = 'MediaUnavailable';
  }
}

/** What to tell the user, by DOMException name. */
export function describeMediaError(name: string): string {
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'Video chat needs your camera, but access to it was refused.';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return 'Video chat needs a camera, but none was found.';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return "Your camera couldn't be started. Another app may be using it.";
    case 'OverconstrainedError':
      return "Your camera doesn't support the video settings parley needs.";
    case 'NoMediaDevices':
      return "This browser can't use a camera on this page (video chat needs a secure https connection).";
    default:
      return "Your camera couldn't be started.";
  }
}
