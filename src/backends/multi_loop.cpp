#include "multi_loop.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "memwall/util/clock.hpp"

namespace memwall::backends {

Result<std::unique_ptr<MultiLoop>> MultiLoop::create(long max_connections, const Clock& clock) {
  // Reference-counted and thread-safe in the libcurl versions memwall builds with (>= 7.84).
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return make_error("libcurl failed to initialise");
  CURLM* multi = curl_multi_init();
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (multi == nullptr || epoll_fd < 0) {
    if (multi) curl_multi_cleanup(multi);
    if (epoll_fd >= 0) close(epoll_fd);
    curl_global_cleanup();
    return make_error("cannot create the client's event loop: {}", std::strerror(errno));
  }
  auto loop = std::unique_ptr<MultiLoop>(new MultiLoop(multi, epoll_fd, clock));
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &MultiLoop::on_socket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, loop.get());
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &MultiLoop::on_timer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, loop.get());
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, max_connections);
  return loop;
}

MultiLoop::~MultiLoop() {
  curl_multi_cleanup(multi_);
  close(epoll_fd_);
  curl_global_cleanup();
}

void MultiLoop::add(CURL* easy) { curl_multi_add_handle(multi_, easy); }

void MultiLoop::remove(CURL* easy) {
  curl_multi_remove_handle(multi_, easy);
  untrack(easy);
}

void MultiLoop::track(CURL* easy, curl_socket_t socket) {
  if (socket < 0) return;
  untrack(easy);
  const auto i = static_cast<std::size_t>(socket);
  if (i >= easy_of_socket_.size()) easy_of_socket_.resize(std::max<std::size_t>(i + 1, 2 * easy_of_socket_.size()));
  if (easy_of_socket_[i] != nullptr) socket_of_easy_.erase(easy_of_socket_[i]);
  easy_of_socket_[i] = easy;
  socket_of_easy_[easy] = socket;
}

void MultiLoop::untrack(CURL* easy) {
  const auto it = socket_of_easy_.find(easy);
  if (it == socket_of_easy_.end()) return;
  easy_of_socket_[static_cast<std::size_t>(it->second)] = nullptr;
  socket_of_easy_.erase(it);
}

int MultiLoop::on_socket(CURL* easy, curl_socket_t socket, int what, void* self, void* socket_data) {
  auto* loop = static_cast<MultiLoop*>(self);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(loop->epoll_fd_, EPOLL_CTL_DEL, socket, nullptr);  // may be closed already: no matter
    curl_multi_assign(loop->multi_, socket, nullptr);
    if (CURL* user = loop->easy_of(socket)) loop->untrack(user);
    return 0;
  }
  // libcurl calls this whenever a transfer takes up a socket: the socket's bytes are now its.
  loop->track(easy, socket);
  epoll_event event{};
  event.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
  event.data.fd = socket;
  if (socket_data != nullptr) {
    epoll_ctl(loop->epoll_fd_, EPOLL_CTL_MOD, socket, &event);
  } else {
    epoll_ctl(loop->epoll_fd_, EPOLL_CTL_ADD, socket, &event);
    curl_multi_assign(loop->multi_, socket, loop);  // any non-null mark: registered
  }
  return 0;
}

int MultiLoop::on_timer(CURLM*, long timeout_ms, void* self) {
  auto* loop = static_cast<MultiLoop*>(self);
  loop->timer_due_ns_ = timeout_ms < 0 ? -1 : steady_now_ns() + timeout_ms * 1'000'000;
  return 0;
}

void MultiLoop::act(curl_socket_t socket, int flags) {
  int running = 0;
  curl_multi_socket_action(multi_, socket, flags, &running);
}

void MultiLoop::poll(std::int64_t wait_ns, std::vector<std::pair<CURL*, CURLcode>>& done) {
  constexpr int kMaxEvents = 1024;
  epoll_event events[kMaxEvents];
  if (timer_due_ns_ >= 0) wait_ns = std::min(wait_ns, std::max<std::int64_t>(timer_due_ns_ - steady_now_ns(), 0));
  wait_ns = std::max<std::int64_t>(wait_ns, 0);
  int n = -1;
  if (pwait2_) {
    const timespec timeout{static_cast<time_t>(wait_ns / 1'000'000'000), static_cast<long>(wait_ns % 1'000'000'000)};
    n = epoll_pwait2(epoll_fd_, events, kMaxEvents, &timeout, nullptr);
    if (n < 0 && errno == ENOSYS) pwait2_ = false;
  }
  if (!pwait2_) n = epoll_wait(epoll_fd_, events, kMaxEvents, static_cast<int>((wait_ns + 999'999) / 1'000'000));
  for (int i = 0; i < n; ++i) {
    const std::uint32_t e = events[i].events;
    const int flags = (e & EPOLLIN ? CURL_CSELECT_IN : 0) | (e & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                      (e & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
    arrival_.before_read(events[i].data.fd, easy_of(events[i].data.fd), (e & EPOLLIN) != 0);
    act(events[i].data.fd, flags);
    arrival_.after_read();
  }
  if (timer_due_ns_ >= 0 && steady_now_ns() >= timer_due_ns_) {
    timer_due_ns_ = -1;  // libcurl sets the next one from inside the call
    act(CURL_SOCKET_TIMEOUT, 0);
  }
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
    if (message->msg == CURLMSG_DONE) done.emplace_back(message->easy_handle, message->data.result);
  }
}

}  // namespace memwall::backends
