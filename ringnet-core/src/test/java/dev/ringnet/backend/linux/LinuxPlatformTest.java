package dev.ringnet.backend.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

class LinuxPlatformTest {

    @Test
    void parsesKernelReleases() {
        assertThat(LinuxPlatform.parseVersion("6.8.0-45-generic")).containsExactly(6, 8);
        assertThat(LinuxPlatform.parseVersion("5.15.153.1-microsoft-standard-WSL2")).containsExactly(5, 15);
        assertThat(LinuxPlatform.parseVersion("6.18.44-fc-v669")).containsExactly(6, 18);
        assertThat(LinuxPlatform.parseVersion("4.19")).containsExactly(4, 19);
        assertThat(LinuxPlatform.parseVersion("garbage")).containsExactly(0, 0);
        assertThat(LinuxPlatform.parseVersion(null)).containsExactly(0, 0);
    }

    @Test
    void usableOnLinuxWithNativeAccess() {
        assumeTrue(LinuxPlatform.isLinux(), "not Linux");
        String arch = System.getProperty("os.arch");
        assumeTrue(arch.equals("amd64") || arch.equals("aarch64"), () -> "unsupported arch " + arch);
        // the build runs tests with --enable-native-access=ALL-UNNAMED
        assertThat(LinuxPlatform.unavailableReason()).isNull();
        assertThat(LinuxPlatform.kernelRelease()).isNotBlank();
        assertThat(LinuxPlatform.kernelVersion()[0]).isGreaterThanOrEqualTo(3);
    }

    @Test
    void reasonExplainsWhatIsMissing() {
        assumeTrue(!LinuxPlatform.isLinux(), "only meaningful off Linux");
        assertThat(LinuxPlatform.unavailableReason()).contains("not Linux");
    }
}
