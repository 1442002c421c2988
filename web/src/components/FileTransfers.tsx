import type { Controller } from '../app/controller';
import type { ChatState, Transfer } from '../chat/chatMachine';
import { isPreviewable } from '../files/fileChannel';
import { formatSize } from '../files/size';

const IP_NOTE = "A direct connection shows you and the stranger each other's IP address, which tells roughly where you are.";

function Progress({ t, label }: { t: Transfer; label: string }) {
  return (
    <div className="file-progress">
      <progress max={t.size || 1} value={t.bytes} aria-label={label} />
      <span className="file-progress-text" aria-hidden="true">
        {formatSize(t.bytes)} of {formatSize(t.size)}
      </span>
    </div>
  );
}

function TransferItem({ t, controller }: { t: Transfer; controller: Controller }) {
  const what = (
    <>
      <strong className="file-name">{t.name}</strong> ({formatSize(t.size)})
    </>
  );
  const cancel = (
    <button type="button" className="btn btn-small btn-secondary" onClick={() => controller.cancelFile(t.id)}>
      Cancel file
    </button>
  );
  if (t.direction === 'in') {
    switch (t.status) {
      case 'offered':
        return (
          <li className="file file--offer">
            <p>The stranger wants to send you {what}.</p>
            <p className="hint">Nothing is downloaded unless you accept, and parley never opens a file by itself.</p>
            <div className="file-actions">
              <button type="button" className="btn btn-small btn-primary" onClick={() => controller.acceptFile(t.id)}>
                Accept file
              </button>
              <button type="button" className="btn btn-small btn-secondary" onClick={() => controller.declineFile(t.id)}>
                Decline file
              </button>
            </div>
          </li>
        );
      case 'transferring':
        return (
          <li className="file">
            <p>Receiving {what}</p>
            <Progress t={t} label={`Receiving ${t.name}`} />
            <div className="file-actions">{cancel}</div>
          </li>
        );
      case 'done':
        return (
          <li className="file file--done">
            {t.url && isPreviewable(t.mime) && <img className="file-preview" src={t.url} alt={`Image from the stranger: ${t.name}`} />}
            <p>
              {t.url ? (
                <a className="file-download" href={t.url} download={t.name}>
                  Download {t.name} ({formatSize(t.size)})
                </a>
              ) : (
                <>Received {what}</>
              )}
            </p>
          </li>
        );
      default:
        return (
          <li className="file file--over">
            <p>
              {what}: {t.status === 'declined' ? 'declined' : t.status === 'cancelled' ? 'cancelled' : 'failed'}
            </p>
          </li>
        );
    }
  }
  switch (t.status) {
    case 'pending':
      return (
        <li className="file">
          <p>Getting ready to offer {what}…</p>
          <div className="file-actions">{cancel}</div>
        </li>
      );
    case 'offered':
      return (
        <li className="file">
          <p>Waiting for the stranger to accept {what}…</p>
          <div className="file-actions">{cancel}</div>
        </li>
      );
    case 'transferring':
      return (
        <li className="file">
          <p>Sending {what}</p>
          <Progress t={t} label={`Sending ${t.name}`} />
          <div className="file-actions">{cancel}</div>
        </li>
      );
    case 'done':
      return (
        <li className="file file--done">
          {t.url && <img className="file-preview" src={t.url} alt={`Image you sent: ${t.name}`} />}
          <p>Sent {what}.</p>
        </li>
      );
    default:
      return (
        <li className="file file--over">
          <p>
            {what}: {t.status === 'declined' ? 'declined by the stranger' : t.status === 'cancelled' ? 'cancelled' : 'failed'}
          </p>
        </li>
      );
  }
}

function DirectPrompt({ chat, controller }: { chat: ChatState; controller: Controller }) {
  switch (chat.direct) {
    case 'confirm':
      return (
        <div className="file file--offer" role="group" aria-label="Direct connection">
          <p>Sending a file needs a direct connection between you and the stranger. {IP_NOTE}</p>
          <div className="file-actions">
            <button type="button" className="btn btn-small btn-primary" onClick={() => controller.directConfirm()}>
              Ask to connect directly
            </button>
            <button type="button" className="btn btn-small btn-secondary" onClick={() => controller.directCancel()}>
              Don't send
            </button>
          </div>
        </div>
      );
    case 'requested':
      return (
        <div className="file">
          <p>Waiting for the stranger to allow a direct connection…</p>
          <div className="file-actions">
            <button type="button" className="btn btn-small btn-secondary" onClick={() => controller.directCancel()}>
              Don't send
            </button>
          </div>
        </div>
      );
    case 'asked':
      return (
        <div className="file file--offer" role="group" aria-label="Direct connection">
          <p>
            The stranger wants to send you a file, which needs a direct connection. {IP_NOTE} You can still decline
            the file itself.
          </p>
          <div className="file-actions">
            <button type="button" className="btn btn-small btn-primary" onClick={() => controller.directAllow()}>
              Allow direct connection
            </button>
            <button type="button" className="btn btn-small btn-secondary" onClick={() => controller.directRefuse()}>
              Refuse
            </button>
          </div>
        </div>
      );
    case 'agreed':
      return chat.channelOpen ? null : <p className="file">Connecting directly…</p>;
    default:
      return null;
  }
}

export function FileTransfers({ chat, controller }: { chat: ChatState; controller: Controller }) {
  if (chat.transfers.length === 0 && (chat.direct === 'none' || (chat.direct === 'agreed' && chat.channelOpen))) return null;
  return (
    <section className="files" aria-label="Files">
      <DirectPrompt chat={chat} controller={controller} />
      {chat.transfers.length > 0 && (
        <ul className="file-list">
          {chat.transfers.map((t) => (
            <TransferItem key={t.id} t={t} controller={controller} />
          ))}
        </ul>
      )}
    </section>
  );
}
