import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import Register from './Register';

const register = vi.fn();
const signIn = vi.fn();
vi.mock('../api/endpoints', () => ({ api: { register: (body: unknown) => register(body) } }));
vi.mock('../auth/AuthContext', () => ({ useAuth: () => ({ signIn }) }));

async function fillAccount() {
  const user = userEvent.setup();
  render(
    <MemoryRouter>
      <Register />
    </MemoryRouter>,
  );
  await user.type(screen.getByLabelText('Name'), 'Olivia Owner');
  await user.type(screen.getByLabelText('Email'), 'owner@example.com');
  await user.type(screen.getByLabelText('Password'), 'correct horse battery');
  return user;
}

describe('Register', () => {
  beforeEach(() => {
    register.mockReset().mockResolvedValue({});
    signIn.mockReset().mockResolvedValue({ role: 'admin' });
  });

  it('sends the bootstrap token only when one is given', async () => {
    const user = await fillAccount();
    await user.click(screen.getByText('Setting up a new Stockroom?'));
    await user.type(screen.getByLabelText('Bootstrap token'), '  tok-123  ');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(register).toHaveBeenCalledWith({
      name: 'Olivia Owner',
      email: 'owner@example.com',
      password: 'correct horse battery',
      bootstrap_token: 'tok-123',
    });
  });

  it('registers an ordinary account without a token field', async () => {
    const user = await fillAccount();
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(register).toHaveBeenCalledWith({ name: 'Olivia Owner', email: 'owner@example.com', password: 'correct horse battery' });
  });
});
