// Every page of the app and its address. Pages load their code when first opened, so the first
// page a visitor sees carries only what it needs.
import { createBrowserRouter } from 'react-router';
import { NotFound } from './ui/components';
import { SignedInLayout, SignedOutLayout } from './ui/Layout';
import { RouteError } from './ui/RouteError';

const page = (load: () => Promise<{ default: React.ComponentType }>) => async () => ({
  Component: (await load()).default,
});

export const router = createBrowserRouter([
  {
    Component: SignedOutLayout,
    ErrorBoundary: RouteError,
    children: [
      { path: '/signin', lazy: page(() => import('./pages/auth/SignIn')) },
      { path: '/signup', lazy: page(() => import('./pages/auth/SignUp')) },
      { path: '/verify', lazy: page(() => import('./pages/auth/Verify')) },
      { path: '/forgot-password', lazy: page(() => import('./pages/auth/ForgotPassword')) },
      { path: '/reset-password', lazy: page(() => import('./pages/auth/ResetPassword')) },
      { path: '/goodbye', lazy: page(() => import('./pages/account/Goodbye')) },
    ],
  },
  {
    Component: SignedInLayout,
    ErrorBoundary: RouteError,
    children: [
      { path: '/', lazy: page(() => import('./pages/dashboard/Dashboard')) },
      { path: '/clouds', lazy: page(() => import('./pages/clouds/CloudList')) },
      { path: '/clouds/new', lazy: page(() => import('./pages/clouds/AddCloud')) },
      { path: '/clouds/:id', lazy: page(() => import('./pages/clouds/CloudPage')) },
      { path: '/photos', lazy: page(() => import('./pages/photos/PhotosGuide')) },
      { path: '/tasks', lazy: page(() => import('./pages/tasks/TaskList')) },
      { path: '/tasks/new', lazy: page(() => import('./pages/tasks/TaskWizard')) },
      { path: '/tasks/:id', lazy: page(() => import('./pages/tasks/TaskPage')) },
      { path: '/tasks/:id/history/:runId', lazy: page(() => import('./pages/history/SnapshotPage')) },
      { path: '/tasks/:id/edit', lazy: page(() => import('./pages/tasks/TaskWizard')) },
      { path: '/runs/:id', lazy: page(() => import('./pages/runs/RunPage')) },
      { path: '/account', lazy: page(() => import('./pages/account/Account')) },
      { path: '/admin', lazy: page(() => import('./pages/admin/AdminHome')) },
      { path: '/admin/users/:id', lazy: page(() => import('./pages/admin/UserPage')) },
      { path: '/admin/plans', lazy: page(() => import('./pages/admin/Plans')) },
      { path: '/admin/audit', lazy: page(() => import('./pages/admin/AuditLog')) },
      { path: '*', Component: NotFound },
    ],
  },
]);
