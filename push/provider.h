// A push provider takes a notification and reports its outcome later, on the
// loop that called it.
#pragma once

#include <functional>

#include "push/notification.h"

namespace xpush::push {

class Provider {
 public:
  using Completion = std::function<void(PushResult)>;
  virtual ~Provider() = default;
  virtual void send(const Notification& notification, Completion done) = 0;
};

}  // namespace xpush::push
