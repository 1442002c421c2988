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

  // Esc = Next, from anywhere on the chat screen.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || e.isComposing) return;
      if (!canNext) return;
      e.preventDefault();
      controller.next();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [controller, canNext]);

  return (
    <div className={video ? 'chat-screen chat-screen--video' : 'chat-screen chat-screen--text'}>
      <header className="topbar">
        <h1 className="topbar-title">
          <span className="brand brand-small">parley</span>
          <span className="topbar-kind">{video ? 'Video' : 'Text only'}</span>
        </h1>
        <OnlineCount online={chat.online} />
      </header>
      <main className="chat-main">
        {video && <VideoStage view={view} status={status} controller={controller} />}
        <ChatPanel chat={chat} status={video ? null : status} canNext={canNext} controller={controller} />
      </main>
    </div>
  );
}
