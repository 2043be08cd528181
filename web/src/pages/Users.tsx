import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { toApiError } from '../api/client';
import { api } from '../api/endpoints';
import type { Role, User } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { Empty, ErrorNotice, Loading, useToast } from '../components/Feedback';
import { TimeAgo } from '../components/Status';

export default function Users() {
  const { user: me } = useAuth();
  const toast = useToast();
  const queryClient = useQueryClient();
  const { data, error, isLoading, refetch } = useQuery({ queryKey: ['users'], queryFn: () => api.users({ limit: 100 }) });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: Partial<User> }) => api.updateUser(id, body),
    onSuccess: (u) => {
      toast(`${u.email}: ${u.role}${u.disabled ? ', disabled' : ''}`);
      void queryClient.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (e) => toast(toApiError(e).friendly, 'error'),
  });
  if (isLoading) return <Loading />;
  if (error) return <ErrorNotice error={error} retry={() => void refetch()} />;
  return (
    <div className="page">
      <header className="page-head"><h1>Users</h1></header>
      {!data?.items.length ? (
        <Empty>No users.</Empty>
      ) : (
        <div className="card table-wrap">
          <table>
            <thead><tr><th>Name</th><th>Email</th><th>Role</th><th>Status</th><th>Joined</th></tr></thead>
            <tbody>
              {data.items.map((u) => (
                <tr key={u.id}>
                  <td>{u.name}{u.id === me?.id && <span className="muted small"> (you)</span>}</td>
                  <td>{u.email}</td>
                  <td>
                    <select
                      aria-label={`Role of ${u.email}`}
                      value={u.role}
                      disabled={update.isPending}
                      onChange={(e) => update.mutate({ id: u.id, body: { role: e.target.value as Role } })}
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
                        checked={!u.disabled}
                        disabled={update.isPending}
                        onChange={(e) => update.mutate({ id: u.id, body: { disabled: !e.target.checked } })}
                      />{' '}
                      {u.disabled ? 'disabled' : 'active'}
                    </label>
                  </td>
                  <td><TimeAgo at={u.created_at} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
