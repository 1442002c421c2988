import { describe, expect, it } from 'vitest';
import { describeMediaError, getLocalMedia, MediaUnavailable } from './media';

const fakeStream = { id: 's' } as unknown as MediaStream;
const domError = (name: string) => Object.assign(new Error(name), { name });

describe('getLocalMedia', () => {
  it('asks for camera and microphone', async () => {
    const calls: MediaStreamConstraints[] = [];
    const stream = await getLocalMedia({
      getUserMedia: async (c) => {
        calls.push(c);
        return fakeStream;
      },
    });
    expect(stream).toBe(fakeStream);
    expect(calls).toHaveLength(1);
    expect(calls[0].audio).toBe(true);
    expect(calls[0].video).toBeTruthy();
  });

  it('falls back to the camera alone when no microphone is found', async () => {
    const calls: MediaStreamConstraints[] = [];
    const stream = await getLocalMedia({
      getUserMedia: async (c) => {
        calls.push(c);
        if (c.audio) throw domError('NotFoundError');
        return fakeStream;
      },
    });
    expect(stream).toBe(fakeStream);
    expect(calls.map((c) => c.audio)).toEqual([true, false]);
  });

  it('explains a refusal plainly', async () => {
    const err = await getLocalMedia({
      getUserMedia: async () => {
        throw domError('NotAllowedError');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaUnavailable);
    expect((err as Error).message).toMatch(/refused/);
  });

  it('explains a missing camera and a missing API', async () => {
    const err = await getLocalMedia({
      getUserMedia: async () => {
        throw domError('NotFoundError');
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/no(ne)? .*found|none was found/);
    const noApi = await getLocalMedia(undefined).catch((e: unknown) => e);
    expect((noApi as Error).message).toMatch(/https/);
  });

  it('has a message for every case', () => {
    for (const name of ['NotAllowedError', 'NotFoundError', 'NotReadableError', 'OverconstrainedError', 'NoMediaDevices', 'Weird']) {
      expect(describeMediaError(name).length).toBeGreaterThan(10);
    }
  });
});
