#pragma once

namespace colima::test {

// A TCP port on 127.0.0.1 that was free when asked (bound and released at once).
int free_port();

// Something accepts TCP connections on 127.0.0.1:port.
bool accepts(int port);

// Waits up to 10 s for 127.0.0.1:port to accept; returns whether it does.
bool wait_until_accepting(int port);

} // namespace colima::test
