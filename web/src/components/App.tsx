import { useCallback, useState, useSyncExternalStore } from 'react';
import type { Controller } from '../app/controller';
import { Landing } from './Landing';
import { ChatScreen } from './ChatScreen';

const STORAGE_KEY = 'parley.interests';

function loadInterests(): string[] {
  try {
    const raw = window.localStorage.getItem(STORAGE_KEY);
    const list: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string').slice(0, 10) : [];
  } catch {
    return [];
  }
}

export function App({ controller }: { controller: Controller }) {
  const view = useSyncExternalStore(controller.subscribe, controller.getSnapshot);
  const [interests, setInterestsState] = useState<string[]>(loadInterests);

  const setInterests = useCallback((list: string[]) => {
    setInterestsState(list);
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(list));
    } catch {
      /* private mode: keep them for this visit only */
    }
  }, []);

  if (view.chat.phase === 'landing') {
    return (
      <Landing
        offline={view.offline}
        dataSaver={view.dataSaver}
        onDataSaverChange={(on) => controller.setDataSaver(on)}
        online={view.chat.online}
        notice={view.chat.notice}
        interests={interests}
        limits={view.chat.limits}
        onInterestsChange={setInterests}
        onStart={(chatType, list) => controller.startChat(chatType, list)}
        onDismissNotice={() => controller.dismissNotice()}
        hideIp={view.hideIp}
        turnAvailable={view.turnAvailable}
        onHideIpChange={(on) => controller.setHideIp(on)}
      />
    );
  }
  return <ChatScreen view={view} controller={controller} />;
}
