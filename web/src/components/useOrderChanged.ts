// After a shipment or a delivery: the order as the API answered, and every list it shows up in.
import { useQueryClient } from '@tanstack/react-query';
import type { Order } from '../api/types';

/** Refreshes everything a shipment or return changes: the order, the lists, stock, the dashboard. */
export function useOrderChanged() {
  const queryClient = useQueryClient();
  return (order: Order) => {
    queryClient.setQueryData(['order', order.id], order);
    for (const key of ['orders', 'returns', 'products', 'dashboard']) void queryClient.invalidateQueries({ queryKey: [key] });
  };
}
