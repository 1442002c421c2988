import { useEffect, useRef, useState, type RefObject } from 'react';
import type { Controller, ViewState } from '../app/controller';

function useStream(ref: RefObject<HTMLVideoElement>, stream: MediaStream | null, onBlocked?: () => void) {
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (el.srcObject !== stream) el.srcObject = stream;
    if (!stream) return;
    el.play().catch((err: unknown) => {
      // Autoplay with sound can be refused: play muted, and offer to turn the sound on.
      if (err instanceof DOMException && err.name === 'NotAllowedError' && !el.muted) {
        el.muted = true;
        onBlocked?.();
        el.play().catch(() => undefined);
      }
    });
  }, [ref, stream, onBlocked]);
}

export function VideoStage({ view, status, controller }: { view: ViewState; status: string; controller: Controller }) {
  const remoteRef = useRef<HTMLVideoElement>(null);
  const localRef = useRef<HTMLVideoElement>(null);
  const [soundBlocked, setSoundBlocked] = useState(false);
  const chat = view.chat;

  useStream(remoteRef, view.remoteStream, () => setSoundBlocked(true));
  useStream(localRef, view.previewStream);

  const connected = chat.phase === 'chatting' && chat.rtc === 'connected' && view.remoteStream !== null;
  const hasMic = !!view.localStream && view.localStream.getAudioTracks().length > 0;

  const turnOnSound = () => {
    const el = remoteRef.current;
    if (el) {
      el.muted = false;
      el.play().catch(() => undefined);
    }
    setSoundBlocked(false);
  };

  return (
    <section className="stage-wrap" aria-label="Video">
      <div className="stage">
        <div className="remote">
          {/* Always in the page, so the element keeps its name while chats come and go. */}
          <video ref={remoteRef} className="remote-video" aria-label="Stranger's video" autoPlay playsInline />
          {!connected && <div className="remote-placeholder" aria-hidden="true" />}
          <p className={connected ? 'conn-state conn-state--ok' : 'conn-state'} role="status" aria-live="polite">
            {status}
          </p>
          {soundBlocked && connected && (
            <button type="button" className="btn btn-small sound-button" onClick={turnOnSound}>
              Turn on sound
            </button>
          )}
        </div>
        <div className="self">
          <video
            ref={localRef}
            className={view.screenSharing ? 'self-video self-video--screen' : 'self-video'}
            aria-label="Your video"
            autoPlay
            playsInline
            muted
          />
          {!view.camOn && !view.screenSharing && <p className="self-off">Camera off</p>}
          {view.screenSharing && <p className="self-caption">Sharing your screen</p>}
        </div>
      </div>
      <div className="media-controls">
        <button
          type="button"
          className={view.micOn ? 'btn btn-media' : 'btn btn-media btn-off'}
          onClick={() => controller.toggleMic()}
          disabled={!hasMic}
        >
          {view.micOn ? 'Mute microphone' : 'Unmute microphone'}
        </button>
        <button
          type="button"
          className={view.camOn ? 'btn btn-media' : 'btn btn-media btn-off'}
          onClick={() => controller.toggleCam()}
          disabled={!view.localStream}
        >
          {view.camOn ? 'Turn camera off' : 'Turn camera on'}
        </button>
        {view.canShareScreen &&
          (view.screenSharing ? (
            <button type="button" className="btn btn-media btn-off" onClick={() => void controller.stopSharing()}>
              Stop sharing
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-media"
              disabled={chat.phase !== 'chatting' || chat.peerKind !== 'media'}
              onClick={() => void controller.shareScreen()}
            >
              Share screen
            </button>
          ))}
        <label className="check check--media">
          <input type="checkbox" checked={view.dataSaver} onChange={(e) => controller.setDataSaver(e.target.checked)} />
          Data saver
        </label>
      </div>
    </section>
  );
}
