#include <utility>  // Boost 1.74 Asio under C++20 needs std::exchange declared first

#include "http/server.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "http/metrics.hpp"
#include "http/pipeline.hpp"
#include "http/session.hpp"
#include "http/work_pool.hpp"
#include "net/listen_address.hpp"

namespace dfauth::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// LISTEN as net/listen_address.hpp reads it (the parser check-config uses).
tcp::endpoint EndpointOf(const std::string& listen) {
  std::string error;
  std::optional<net::ListenAddress> parsed = net::ParseListenAddress(listen, &error);
  if (!parsed) throw std::invalid_argument("LISTEN: " + error);
  return tcp::endpoint(asio::ip::make_address(parsed->host), parsed->port);
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions opts, const Router& router, Authenticator authenticator, Metrics& m)
      : options(std::move(opts)),
        metrics(m),
        pipeline(options.pipeline, router, std::move(authenticator)),
        default_pool("dfauth-worker", options.worker_threads, options.worker_queue_limit),
        hash_pool("dfauth-hash", options.hash_threads, options.hash_queue_limit),
        network_pool("dfauth-net", options.network_threads, options.network_queue_limit),
        shared{options, pipeline, metrics, default_pool, hash_pool, network_pool} {
    const int n = std::max(1, options.io_threads);
    for (int i = 0; i < n; ++i) {
      contexts.push_back(std::make_unique<IoContext>());
      contexts.back()->guard.emplace(asio::make_work_guard(contexts.back()->io));
    }
    acceptor.emplace(contexts[0]->io);
    accept_retry.emplace(contexts[0]->io);
    signals.emplace(contexts[0]->io);
    metrics.SetQueueDepthSource("default", [this] { return default_pool.QueueDepth(); });
    metrics.SetQueueDepthSource("hashing", [this] { return hash_pool.QueueDepth(); });
    metrics.SetQueueDepthSource("network", [this] { return network_pool.QueueDepth(); });
  }

  ~Impl() {
    metrics.SetQueueDepthSource("default", {});
    metrics.SetQueueDepthSource("hashing", {});
    metrics.SetQueueDepthSource("network", {});
    StopPools();
  }

  void StopPools() {
    default_pool.Stop();
    hash_pool.Stop();
    network_pool.Stop();
  }

  void DoAccept();

  ServerOptions options;
  Metrics& metrics;
  Pipeline pipeline;
  WorkPool default_pool;
  WorkPool hash_pool;
  WorkPool network_pool;
  SessionShared shared;
  std::vector<std::unique_ptr<IoContext>> contexts;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;  ///< the pause after a failed accept
  std::optional<asio::signal_set> signals;
  std::size_t next_context = 0;  // used on contexts[0] only
};

void Server::Impl::DoAccept() {
  IoContext& context = *contexts[next_context++ % contexts.size()];
  acceptor->async_accept(context.io, [this, &context](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || shared.stopping) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      StartSession(shared, context, std::move(socket));
      return DoAccept();
    }
    // EMFILE, ENFILE, ENOBUFS: the connection stays in the backlog and the next accept would
    // fail at once, spinning a core. Wait a little for descriptors to free up, then go on.
    accept_retry->expires_after(std::chrono::milliseconds(50));
    accept_retry->async_wait([this](boost::system::error_code wait_ec) {
      if (wait_ec == asio::error::operation_aborted || shared.stopping) return;
      DoAccept();
    });
  });
}

Server::Server(ServerOptions options, const Router& router, Authenticator authenticator,
               Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, std::move(authenticator),
                                   metrics)) {}

Server::~Server() = default;

uint16_t Server::Bind() {
  const tcp::endpoint endpoint = EndpointOf(impl_->options.listen);
  tcp::acceptor& acceptor = *impl_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  const uint16_t port = acceptor.local_endpoint().port();
  const asio::ip::address address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  // The signals are taken before the line that tells a supervisor (or a test) that the server
  // is up: a SIGTERM sent right after it is a clean stop, never the default kill. Asio keeps a
  // signal that arrives before Run() waits for it.
  impl_->signals->add(SIGINT);
  impl_->signals->add(SIGTERM);
  if (impl_->options.on_reload) impl_->signals->add(SIGHUP);
  std::fprintf(stderr, "listening on http://%s:%u\n", host.c_str(), static_cast<unsigned>(port));
  return port;
}

void Server::Run() {
  Impl& impl = *impl_;
  WaitForSignal();
  if (!impl.shared.stopping) impl.DoAccept();

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl.contexts.size(); ++i) {
    threads.emplace_back([&impl, i] { impl.contexts[i]->io.run(); });
  }
  impl.contexts[0]->io.run();
  for (auto& thread : threads) thread.join();
  // Every job held a work guard until its response was posted back, so the pools are idle.
  impl.StopPools();
}

void Server::WaitForSignal() {
  Impl& impl = *impl_;
  impl.signals->async_wait([this, &impl](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal != SIGHUP) {
      Shutdown();
      return;
    }
    if (!impl.default_pool.TrySubmit(impl.options.on_reload)) {
      spdlog::warn("SIGHUP: reload not started, the worker queue is full");
    }
    WaitForSignal();
  });
}

void Server::Shutdown() {
  Impl& impl = *impl_;
  if (impl.shared.stopping.exchange(true)) return;
  asio::post(impl.contexts[0]->io, [&impl] {
    boost::system::error_code ec;
    impl.acceptor->close(ec);
    impl.accept_retry->cancel();
    impl.signals->cancel(ec);
  });
  for (auto& context : impl.contexts) {
    IoContext* c = context.get();
    asio::post(c->io, [c] {
      CloseIdleSessions(*c);
      c->guard.reset();
    });
  }
}

}  // namespace dfauth::http
