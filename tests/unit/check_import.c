/* scl import: the name splitter (spec/import.md §4.3, §3.2) and Go's %v of
 * numbers (§5.3). */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "cli/import.h"

static const struct {
  const char *in, *want;
} go_names[] = {
    {"ipAllowList", "IPAllowList"},
    {"caBundle", "CaBundle"},
    {"instance-id", "InstanceID"},
    {"http.crossplane.io", "HTTPCrossplaneIo"},
    {"dns.digitalocean.crossplane.io.v1alpha1.DomainSpec",
     "DNSDigitaloceanCrossplaneIoV1alpha1DomainSpec"},
    {"ipv6Pool", "IPV6Pool"},
    {"x", "X"},
    {"cluster.x-k8s.io", "ClusterxK8sIo"},
    {"1abc", "Nr1abc"},
};

START_TEST(test_go_name) {
  char *got = imp_go_name(go_names[_i].in);
  ck_assert_str_eq(got, go_names[_i].want);
  free(got);
}
END_TEST

static const struct {
  const char *in, *want;
} file_names[] = {
    {"cert-manager.io.v1.ClusterIssuer", "cert_manager_io_v1_cluster_issuer"},
    {"traefik.io.v1alpha1.MiddlewareTCP", "traefik_io_v1alpha1_middleware_tcp"},
    {"cilium.io.v2alpha1.CiliumCIDRGroup",
     "cilium_io_v2alpha1_cilium_c_id_r_group"},
    {"gateway.networking.k8s.io.v1alpha2.GRPCRoute",
     "gateway_networking_k8s_io_v1alpha2_g_rpc_route"},
    {"hub.traefik.io.v1alpha1.AIService",
     "hub_traefik_io_v1alpha1_a_i_service"},
    {"krm.kcl.dev.fluxcd.v1alpha1.KCLRun",
     "krm_kcl_dev_fluxcd_v1alpha1_k_c_l_run"},
    {"bootstrap.cluster.x-k8s.io.v1beta1.KubeadmConfigTemplate",
     "bootstrap_clusterx_k8s_io_v1beta1_kubeadm_config_template"},
    {"dns.digitalocean.crossplane.io.v1alpha1.Domain",
     "dns_digitalocean_crossplane_io_v1alpha1_domain"},
    {"example.com.v1.FooTest", "example_com_v1_foo_test_swagger"},
};

START_TEST(test_file_name) {
  char *got = imp_def_file_name(file_names[_i].in);
  ck_assert_str_eq(got, file_names[_i].want);
  free(got);
}
END_TEST

static const struct {
  const char *in, *want;
} humans[] = {
    {"stable.example.com.v1.CronTab", "stable example com v1 cron tab"},
    {"ipAllowList", "ip allow list"},
    {"DNSOpenstackForProvider", "DNS openstack for provider"},
};

START_TEST(test_human) {
  char *got = imp_human_lower(humans[_i].in);
  ck_assert_str_eq(got, humans[_i].want);
  free(got);
}
END_TEST

static const struct {
  double in;
  const char *want;
} numbers[] = {
    {8, "8"},
    {-1, "-1"},
    {0.5, "0.5"},
    {100000, "100000"},
    {123456, "123456"},
    {1e6, "1e+06"},
    {1234567, "1.234567e+06"},
    {2147483647, "2.147483647e+09"},
    {4294967295, "4.294967295e+09"},
    {0.0001, "0.0001"},
    {0.00001, "1e-05"},
    {0, "0"},
};

START_TEST(test_number) {
  struct ibuf b = {0};
  imp_put_number(&b, numbers[_i].in);
  ck_assert_str_eq(ibuf_str(&b), numbers[_i].want);
  ibuf_free(&b);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *import_suite(void) {
  Suite *s = suite_create("import");
  TCase *tc = tcase_create("names");
  tcase_add_loop_test(tc, test_go_name, 0, N(go_names));
  tcase_add_loop_test(tc, test_file_name, 0, N(file_names));
  tcase_add_loop_test(tc, test_human, 0, N(humans));
  tcase_add_loop_test(tc, test_number, 0, N(numbers));
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(import_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
