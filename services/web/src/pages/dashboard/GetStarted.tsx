// A first visit's way to a first backup: three steps, each ticked once done, the next one with
// the button that does it. Only one step offers its button at a time, so the way is plain.
import { Link, useNavigate } from 'react-router';
import { useMessages } from '../../i18n/i18n';
import { dashboardWords } from './messages';

export function GetStarted({ clouds, tasks }: { clouds: number; tasks: number }) {
  const t = useMessages(dashboardWords);
  // A source and a destination: two clouds (a server folder may serve as both, but most copy
  // from one service to another).
  const steps = [
    // The buttons the app names "Add cloud" and "New task" everywhere (made here: importing the
    // clouds' and tasks' pages would load their code with the dashboard's).
    { text: t.step1, done: clouds >= 1, action: <GoButton to="/clouds/new" label={t.addCloud} /> },
    { text: t.step2, done: clouds >= 2, action: <GoButton to="/clouds/new" label={t.addCloud} /> },
    { text: t.step3, done: tasks >= 1, action: <GoButton to="/tasks/new" label={t.newTask} /> },
  ];
  const current = steps.findIndex((s) => !s.done);
  return (
    <section aria-labelledby="get-started" className="get-started">
      <h2 id="get-started">{t.start}</h2>
      <p>{t.startText}</p>
      <ol className="steps">
        {steps.map((s, i) => (
          <li key={i} className={s.done ? 'step done' : i === current ? 'step current' : 'step'}>
            <span className="step-text">{s.text}</span>
            {s.done && <span className="badge ok">✓ {t.done}</span>}
            {i === current && s.action}
          </li>
        ))}
      </ol>
      <p className="muted">
        {t.photos} <Link to="/photos">{t.photosLink}</Link>.
      </p>
    </section>
  );
}

function GoButton({ to, label }: { to: string; label: string }) {
  const navigate = useNavigate();
  return (
    <button type="button" onClick={() => navigate(to)}>
      {label}
    </button>
  );
}
