import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { toApiError } from '../api/client';
import { api } from '../api/endpoints';
import { queries } from '../api/queries';
import type { Role, User } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { useConfirm } from '../components/Dialog';
import { Empty, ErrorNotice, Loading, useToast } from '../components/Feedback';
import { PageHeading, useDocumentTitle } from '../components/Page';
import { TableWrap } from '../components/TableWrap';
import { TimeAgo } from '../components/Status';

/** The roles a person can be given here (`service` is only for services' tokens). */
type PersonRole = Exclude<Role, 'service'>;

export default function Users() {
  const { user: me } = useAuth();
  const toast = useToast();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  useDocumentTitle('Users');
  const { data, error, isLoading, refetch } = useQuery(queries.users());
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: Partial<User> }) => api.updateUser(id, body),
    onSuccess: (u) => {
      toast(`${u.email}: ${u.role}${u.disabled ? ', disabled' : ''}`);
      void queryClient.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (e) => toast(toApiError(e).friendly, 'error'),
  });
  const ROLE_POWERS: Record<PersonRole, string> = {
    customer: 'can place and follow their own orders only',
    staff: 'can manage products, stock, suppliers and every order',
    admin: 'can do everything staff can, and change other users’ roles and access',
  };
  const changeRole = async (u: User, role: PersonRole) => {
    const ok = await confirm({
      title: `Make ${u.email} ${role === 'admin' ? 'an admin' : role}?`,
      body: (
        <p>
          As {role === 'admin' ? 'an admin' : role}, {u.name || u.email} {ROLE_POWERS[role]}. The change applies from their next request.
        </p>
      ),
      action: `Make ${role}`,
      danger: u.role === 'admin' || role === 'admin',
    });
    if (ok) update.mutate({ id: u.id, body: { role } });
  };
  const changeAccess = async (u: User, disabled: boolean) => {
    if (disabled) {
      const ok = await confirm({
        title: `Disable ${u.email}?`,
        body: <p>{u.name || u.email} is signed out and cannot sign in until re-enabled.</p>,
        action: 'Disable',
        danger: true,
      });
      if (!ok) return;
    }
    update.mutate({ id: u.id, body: { disabled } });
  };
  if (isLoading) return <Loading />;
  if (error) return <ErrorNotice error={error} retry={() => void refetch()} />;
  return (
    <div className="page">
      <header className="page-head"><PageHeading title="Users" /></header>
      {!data?.items.length ? (
        <Empty>No users.</Empty>
      ) : (
        <TableWrap label="Users">
          <table>
            <thead><tr><th>Name</th><th className="hide-sm">Email</th><th>Role</th><th>Status</th><th className="hide-sm">Joined</th></tr></thead>
            <tbody>
              {data.items.map((u) => (
                <tr key={u.id}>
                  <td>
                    {u.name}{u.id === me?.id && <span className="muted small"> (you)</span>}
                    <span className="show-sm muted small">{u.email}</span>
                  </td>
                  <td className="hide-sm">{u.email}</td>
                  <td>
                    <select
                      aria-label={`Role of ${u.email}`}
                      name={`role-${u.id}`}
                      value={u.role}
                      disabled={update.isPending}
                      onChange={(e) => void changeRole(u, e.target.value as PersonRole)}
                    >
                      <option value="customer">customer</option>
                      <option value="staff">staff</option>
                      <option value="admin">admin</option>
                    </select>
                  </td>
                  <td>
                    <label className="check">
                      <input
                        type="checkbox"
                        name={`active-${u.id}`}
                        checked={!u.disabled}
                        disabled={update.isPending}
                        onChange={(e) => void changeAccess(u, !e.target.checked)}
                      />{' '}
                      {u.disabled ? 'disabled' : 'active'}
                    </label>
                  </td>
                  <td className="hide-sm"><TimeAgo at={u.created_at} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </div>
  );
}
