import { useEffect } from 'react';
import type { Controller, ViewState } from '../app/controller';
import { statusText } from '../chat/chatMachine';
import { ChatPanel } from './ChatPanel';
import { OnlineCount } from './OnlineCount';
import { VideoStage } from './VideoStage';

export function ChatScreen({ view, controller }: { view: ViewState; controller: Controller }) {
  const chat = view.chat;
  const video = chat.chatType === 'video';
  const status = statusText(chat);
  const canNext = chat.phase === 'chatting' || chat.phase === 'ended';

  // Esc steps like Omegle's button, from anywhere on the chat screen: Stop, Really?, New.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || e.isComposing) return;
      e.preventDefault();
      controller.escape();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [controller]);

  return (
    <div className={video ? 'chat-screen chat-screen--video' : 'chat-screen chat-screen--text'}>
      <header className="topbar">
        <h1 className="topbar-title">
          <span className="brand brand-small">parley</span>
          <span className="topbar-kind">{video ? 'Video' : 'Text only'}</span>
        </h1>
        <OnlineCount online={chat.online} />
      </header>
      {view.offline && (
        <p className="offline-banner" role="alert">
          You're offline. Chatting needs the network; parley reconnects by itself when it is back.
        </p>
      )}
      <main className="chat-main">
        {video && <VideoStage view={view} status={status} controller={controller} />}
        <ChatPanel chat={chat} status={video ? null : status} canNext={canNext} controller={controller} />
      </main>
    </div>
  );
}
