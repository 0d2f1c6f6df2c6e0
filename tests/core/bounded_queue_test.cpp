#include "cxgw/core/bounded_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace cxgw {
namespace {

TEST(BoundedQueue, KeepsOrderAcrossThreads) {
  BoundedQueue<int> queue(2);
  std::thread producer([&queue] {
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(queue.push(i));
    queue.close();
  });
  std::vector<int> received;
  while (auto item = queue.pop()) received.push_back(*item);
  producer.join();
  ASSERT_EQ(received.size(), 1000U);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(received[static_cast<size_t>(i)], i);
}

TEST(BoundedQueue, FullQueueBlocksItsProducerUntilAnItemIsTaken) {
  BoundedQueue<int> queue(1);
  ASSERT_TRUE(queue.push(1));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    EXPECT_TRUE(queue.push(2));
    pushed = true;
  });
  // The producer cannot finish before the consumer takes the first item; whatever the timing,
  // the item it pushed comes second.
  EXPECT_EQ(queue.pop(), 1);
  EXPECT_EQ(queue.pop(), 2);
  producer.join();
  EXPECT_TRUE(pushed);
}

TEST(BoundedQueue, CloseUnblocksAProducerAndDrainsForTheConsumer) {
  BoundedQueue<int> queue(1);
  ASSERT_TRUE(queue.push(1));
  std::thread producer([&queue] { EXPECT_FALSE(queue.push(2)) << "closed while waiting"; });
  queue.close();
  producer.join();
  EXPECT_EQ(queue.pop(), 1) << "what was queued before close is still delivered";
  EXPECT_EQ(queue.pop(), std::nullopt);
  EXPECT_FALSE(queue.push(3));
}

TEST(BoundedQueue, CloseWakesAWaitingConsumer) {
  BoundedQueue<int> queue(4);
  std::thread consumer([&queue] { EXPECT_EQ(queue.pop(), std::nullopt); });
  queue.close();
  consumer.join();
}

}  // namespace
}  // namespace cxgw
